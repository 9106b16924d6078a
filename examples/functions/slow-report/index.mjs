// Takes its time on purpose, logging progress, so clients can show progress and try cancelling.
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export const handler = async (event, context) => {
  const seconds = Math.min(25, Math.max(0, Number(event?.seconds ?? 5)));
  const title = event?.title ?? 'Quarterly report';
  const steps = Math.max(1, Math.ceil(seconds));
  const stepMs = (seconds * 1000) / steps;
  const started = Date.now();
  const sections = [];
  for (let i = 1; i <= steps; i++) {
    await sleep(stepMs);
    sections.push({ section: i, rows: i * 17, checksum: (i * 7919) % 1000 });
    console.log(
      `progress ${i}/${steps} (${Math.round((i / steps) * 100)}%), ${context.getRemainingTimeInMillis()} ms left`,
    );
  }
  return {
    title,
    seconds,
    steps,
    elapsed_ms: Date.now() - started,
    sections,
    generated_for: context.awsRequestId,
  };
};
