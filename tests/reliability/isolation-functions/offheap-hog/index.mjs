// Buffers live outside the V8 heap: a heap limit alone does not stop them. Stops by itself at
// 768 MB (six times its memory size) so that an unconfined runtime does not take the machine.
export const handler = async () => {
  const hoard = [];
  for (let i = 0; i < 48; i++) {
    hoard.push(Buffer.alloc(16 * 1024 * 1024, i + 1));
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return { allocatedMb: hoard.length * 16 };
};
