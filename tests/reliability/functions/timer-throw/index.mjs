export const handler = async () => {
  setTimeout(() => {
    throw new TypeError('thrown from a timer');
  }, 10);
  await new Promise((resolve) => setTimeout(resolve, 500));
  return 'should not get here';
};
