// Conformance fixture: echoes its input (the scenario only checks the tool's listed schema).
export const handler = async (event) => ({ received: event });
