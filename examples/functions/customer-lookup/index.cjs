'use strict';
// A CommonJS, callback-style handler (the classic Lambda Node.js signature).

const CUSTOMERS = {
  'CUST-0001': {
    name: 'Ada Lovelace',
    email: 'ada@example.com',
    tier: 'platinum',
    region: 'emea',
    status: 'active',
    lifetime_value: 182340.5,
  },
  'CUST-0002': {
    name: 'Grace Hopper',
    email: 'grace@example.com',
    tier: 'gold',
    region: 'na',
    status: 'active',
    lifetime_value: 96410,
  },
  'CUST-0003': {
    name: 'Alan Turing',
    email: 'alan@example.com',
    tier: 'silver',
    region: 'emea',
    status: 'suspended',
    lifetime_value: 12875.25,
  },
  'CUST-0004': {
    name: 'Katherine Johnson',
    email: 'katherine@example.com',
    tier: 'gold',
    region: 'na',
    status: 'active',
    lifetime_value: 74220,
  },
  'CUST-0005': {
    name: 'Hedy Lamarr',
    email: 'hedy@example.com',
    tier: 'bronze',
    region: 'latam',
    status: 'closed',
    lifetime_value: 1530.8,
  },
  'CUST-0006': {
    name: 'Tu Youyou',
    email: 'tu@example.com',
    tier: 'silver',
    region: 'apac',
    status: 'active',
    lifetime_value: 23990,
  },
};

const ORDERS = {
  'CUST-0001': [
    { order_id: 'ORD-1001', total: 1200, date: '2026-03-02' },
    { order_id: 'ORD-1044', total: 349.99, date: '2026-05-17' },
  ],
  'CUST-0002': [{ order_id: 'ORD-1010', total: 89.5, date: '2026-04-11' }],
};

class CustomerNotFound extends Error {
  constructor(id) {
    super(`No customer with id ${id}`);
    this.name = 'CustomerNotFound';
  }
}

exports.handler = (event, context, callback) => {
  const id = event?.customer_id;
  if (typeof id !== 'string' || !/^CUST-[0-9]{4}$/.test(id)) {
    const error = new Error('customer_id must look like CUST-0001');
    error.name = 'ValidationError';
    callback(error);
    return;
  }
  const customer = CUSTOMERS[id];
  console.log(
    `lookup ${id}: ${customer ? 'found' : 'not found'} (${context.getRemainingTimeInMillis()} ms left)`,
  );
  if (!customer) {
    callback(new CustomerNotFound(id));
    return;
  }
  const result = { customer_id: id, ...customer };
  if (event.include_orders) result.orders = ORDERS[id] || [];
  callback(null, result);
};
