export const handler = async () => {
  Promise.reject(new Error('nobody handles this'));
  await new Promise((resolve) => setTimeout(resolve, 500));
  return 'should not get here';
};
