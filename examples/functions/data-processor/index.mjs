// Analytics over a small built-in dataset. Deterministic: the same request always gives the same answer.
const REGIONS = ['na', 'emea', 'apac', 'latam'];
const SEGMENTS = ['enterprise', 'smb', 'consumer'];
const SOURCES = { 'customer-analytics': 7, 'sales-metrics': 13, 'web-traffic': 29 };
const METRICS = ['count', 'sum', 'average', 'min', 'max'];

/** 120 days of records per source, from a fixed seed (a tiny linear congruential generator). */
function dataset(source) {
  let seed = SOURCES[source];
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  const records = [];
  const day0 = Date.UTC(2026, 0, 1);
  for (let d = 0; d < 120; d++) {
    const date = new Date(day0 + d * 86_400_000).toISOString().slice(0, 10);
    for (const region of REGIONS) {
      const segment = SEGMENTS[Math.floor(next() * SEGMENTS.length)];
      records.push({ date, region, segment, value: Math.round(next() * 100_000) / 100 });
    }
  }
  return records;
}

class ValidationError extends Error {
  constructor(message) {
    super(message);
    this.name = 'ValidationError';
  }
}

function stats(values, wanted) {
  const out = {};
  const sum = values.reduce((a, b) => a + b, 0);
  for (const m of wanted) {
    if (m === 'count') out.count = values.length;
    else if (m === 'sum') out.sum = Math.round(sum * 100) / 100;
    else if (m === 'average') out.average = values.length ? Math.round((sum / values.length) * 100) / 100 : 0;
    else if (m === 'min') out.min = values.length ? Math.min(...values) : 0;
    else if (m === 'max') out.max = values.length ? Math.max(...values) : 0;
  }
  return out;
}

export const handler = async (event) => {
  const source = event?.data_source;
  if (!(source in SOURCES)) {
    throw new ValidationError(
      `data_source must be one of ${Object.keys(SOURCES).join(', ')}; got ${JSON.stringify(source)}`,
    );
  }
  const filters = event.filters ?? {};
  const wanted = event.metrics ?? ['count', 'sum', 'average'];
  const unknown = wanted.filter((m) => !METRICS.includes(m));
  if (unknown.length) throw new ValidationError(`unknown metrics: ${unknown.join(', ')}`);
  const format = event.output_format ?? 'json';

  const rows = dataset(source).filter(
    (r) =>
      (!filters.region || r.region === filters.region) &&
      (!filters.segment || r.segment === filters.segment) &&
      (filters.min_value === undefined || r.value >= filters.min_value) &&
      (!filters.date_range || (r.date >= filters.date_range.start && r.date <= filters.date_range.end)),
  );
  console.log(`analysed ${rows.length} records from ${source}`);

  const byRegion = {};
  for (const region of REGIONS) {
    const values = rows.filter((r) => r.region === region).map((r) => r.value);
    if (values.length) byRegion[region] = stats(values, wanted);
  }
  const metrics = stats(
    rows.map((r) => r.value),
    wanted,
  );
  const base = {
    data_source: source,
    output_format: format,
    record_count: rows.length,
    filters_applied: filters,
  };
  if (format === 'csv') {
    const header = ['region', ...wanted].join(',');
    const lines = Object.entries(byRegion).map(([region, s]) =>
      [region, ...wanted.map((m) => s[m])].join(','),
    );
    return { ...base, csv: [header, ...lines].join('\n') };
  }
  if (format === 'summary') {
    const parts = wanted.map((m) => `${m} ${metrics[m]}`).join(', ');
    return { ...base, summary: `${rows.length} ${source} records: ${parts}.` };
  }
  return { ...base, metrics, by_region: byRegion };
};
