export const handler = () => {
  for (;;) {
    // never yields: only the timeout can end it
  }
};
