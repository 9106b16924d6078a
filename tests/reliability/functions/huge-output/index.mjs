export const handler = async (event) => ({ data: 'x'.repeat(event.bytes ?? 5_000_000) });
