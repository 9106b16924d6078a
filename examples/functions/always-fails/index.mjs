// Always fails, with a custom error type, so error reporting can be seen end to end.
class PaymentDeclinedError extends Error {
  constructor(message, code) {
    super(message);
    this.name = 'PaymentDeclinedError';
    this.code = code;
  }
}

function chargeCard(amount, currency) {
  throw new PaymentDeclinedError(
    `Card ending 4242 was declined for ${amount} ${currency}: insufficient_funds`,
    'insufficient_funds',
  );
}

export const handler = async (event) => {
  const amount = Number(event?.amount ?? 42);
  const currency = String(event?.currency ?? 'USD');
  console.log(`charging ${amount} ${currency}`);
  chargeCard(amount, currency);
};
