/** AWS error answers per protocol, and the mapping of the backend's errors to them. */
import { isLambdaMcpError } from '@lambda-mcp/core';
import type { FaultKind } from './faults.js';
import { jsonBody, type ServiceName, WireError } from './wire.js';

export interface RenderedError {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export function renderError(service: ServiceName, error: WireError, requestId: string): RenderedError {
  const headers: Record<string, string> = {};
  if (error.extra.retryAfterSeconds !== undefined)
    headers['retry-after'] = String(error.extra.retryAfterSeconds);
  switch (service) {
    case 'lambda': {
      const body: Record<string, unknown> = {};
      if (error.extra.reason) body.Reason = error.extra.reason;
      if (error.extra.type) body.Type = error.extra.type;
      body[error.extra.messageKey ?? 'Message'] = error.message;
      return {
        status: error.status,
        headers: { ...headers, 'content-type': 'application/json', 'x-amzn-errortype': error.code },
        body: jsonBody(body),
      };
    }
    case 'schemas':
      return {
        status: error.status,
        headers: { ...headers, 'content-type': 'application/json', 'x-amzn-errortype': error.code },
        body: jsonBody({ Code: error.code, Message: error.message }),
      };
    case 'monitoring':
      return {
        status: error.status,
        headers: {
          ...headers,
          'content-type': 'application/x-amz-json-1.0',
          'x-amzn-query-error': `${error.extra.queryCode ?? error.code};${error.extra.queryFault ?? (error.status >= 500 ? 'Receiver' : 'Sender')}`,
        },
        body: jsonBody({ __type: `com.amazonaws.cloudwatch#${error.code}`, message: error.message }),
      };
    case 'logs':
    case 'tagging':
      return {
        status: error.status,
        headers: { ...headers, 'content-type': 'application/x-amz-json-1.1' },
        body: jsonBody({ __type: error.code, [error.extra.messageKey ?? 'message']: error.message }),
      };
    case 'sts': {
      const fault = error.extra.queryFault ?? (error.status >= 500 ? 'Receiver' : 'Sender');
      const xmlText = (s: string) =>
        s.replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c] as string);
      return {
        status: error.status,
        headers: { ...headers, 'content-type': 'text/xml' },
        body: `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>${fault}</Type><Code>${xmlText(error.code)}</Code><Message>${xmlText(error.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      };
    }
  }
}

/** The error an injected fault answers with, per service. */
export function faultError(
  service: ServiceName,
  kind: Exclude<FaultKind, 'drop' | 'stall'>,
  retryAfterSeconds: number,
): WireError {
  if (kind === 'throttle') {
    switch (service) {
      case 'lambda':
        return new WireError(429, 'TooManyRequestsException', 'Rate Exceeded.', {
          type: 'User',
          reason: 'CallerRateLimitExceeded',
          retryAfterSeconds,
          messageKey: 'message',
        });
      case 'schemas':
        return new WireError(429, 'TooManyRequestsException', 'Rate exceeded', { retryAfterSeconds });
      case 'monitoring':
        return new WireError(400, 'Throttling', 'Rate exceeded', {
          queryCode: 'Throttling',
          queryFault: 'Sender',
          retryAfterSeconds,
        });
      case 'logs':
        return new WireError(400, 'ThrottlingException', 'Rate exceeded', { retryAfterSeconds });
      case 'tagging':
        return new WireError(400, 'ThrottledException', 'Rate exceeded', {
          retryAfterSeconds,
          messageKey: 'Message',
        });
      case 'sts':
        return new WireError(400, 'Throttling', 'Rate exceeded', { retryAfterSeconds });
    }
  }
  switch (service) {
    case 'lambda':
      return new WireError(
        500,
        'ServiceException',
        'An internal error occurred (injected by the emulator).',
        {
          type: 'Service',
          messageKey: 'Message',
        },
      );
    case 'schemas':
      return new WireError(500, 'InternalServerErrorException', 'Internal error (injected by the emulator).');
    case 'monitoring':
      return new WireError(500, 'InternalServiceFault', 'Internal error (injected by the emulator).', {
        queryCode: 'InternalServiceError',
        queryFault: 'Receiver',
      });
    case 'logs':
      return new WireError(500, 'ServiceUnavailableException', 'Internal error (injected by the emulator).');
    case 'tagging':
      return new WireError(500, 'InternalServiceException', 'Internal error (injected by the emulator).', {
        messageKey: 'Message',
      });
    case 'sts':
      return new WireError(500, 'InternalFailure', 'Internal error (injected by the emulator).');
  }
}

export function accessDenied(
  service: ServiceName,
  action: string,
  accountId: string,
  resource: string,
  text?: string,
): WireError {
  const message =
    text ??
    `User: arn:aws:iam::${accountId}:user/emulator is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`;
  switch (service) {
    case 'lambda':
      return new WireError(403, 'AccessDeniedException', message, { messageKey: 'Message' });
    case 'schemas':
      return new WireError(403, 'ForbiddenException', message);
    case 'monitoring':
      return new WireError(403, 'AccessDenied', message, { queryCode: 'AccessDenied', queryFault: 'Sender' });
    case 'sts':
      return new WireError(403, 'AccessDenied', message);
    default:
      return new WireError(400, 'AccessDeniedException', message, { messageKey: 'Message' });
  }
}

/** A backend failure (LambdaMcpError or anything thrown) as the service would answer it. */
export function fromBackendError(service: ServiceName, error: unknown): WireError {
  if (error instanceof WireError) return error;
  if (!isLambdaMcpError(error)) {
    return service === 'lambda'
      ? new WireError(500, 'ServiceException', 'An internal error occurred.', { type: 'Service' })
      : faultError(service, 'server-error', 1);
  }
  const details = error.details ?? {};
  switch (error.code) {
    case 'THROTTLED':
      if (service === 'lambda') {
        return new WireError(429, 'TooManyRequestsException', 'Rate Exceeded.', {
          type: 'User',
          reason:
            typeof details.reason === 'string'
              ? details.reason
              : 'ReservedFunctionConcurrentInvocationLimitExceeded',
          retryAfterSeconds: typeof details.retryAfterSeconds === 'number' ? details.retryAfterSeconds : 1,
          messageKey: 'message',
        });
      }
      return faultError(service, 'throttle', 1);
    case 'PAYLOAD_TOO_LARGE':
      return new WireError(413, 'RequestEntityTooLargeException', error.message, {
        type: 'User',
        messageKey: 'message',
      });
    case 'INVALID_REQUEST':
    case 'INVALID_INPUT':
      if (service === 'lambda') {
        return new WireError(400, 'InvalidParameterValueException', error.message, {
          type: 'User',
          messageKey: 'message',
        });
      }
      if (service === 'monitoring') {
        return new WireError(400, 'InvalidParameterValueException', error.message, {
          queryCode: 'InvalidParameterValue',
          queryFault: 'Sender',
        });
      }
      if (service === 'schemas') return new WireError(400, 'BadRequestException', error.message);
      return new WireError(400, 'InvalidParameterException', error.message);
    case 'FUNCTION_NOT_FOUND':
      if (service === 'lambda') {
        return new WireError(404, 'ResourceNotFoundException', error.message, {
          type: 'User',
          messageKey: 'Message',
        });
      }
      return new WireError(400, 'ResourceNotFoundException', error.message);
    case 'SCHEMA_NOT_FOUND':
      return new WireError(404, 'NotFoundException', error.message);
    case 'FUNCTION_STATE_ERROR':
      return new WireError(502, 'ResourceNotReadyException', error.message, {
        type: 'Service',
        messageKey: 'message',
      });
    case 'ACCESS_DENIED':
      return accessDenied(service, 'unknown', '000000000000', '*');
    default:
      return service === 'lambda'
        ? new WireError(500, 'ServiceException', 'An internal error occurred.', {
            type: 'Service',
            messageKey: 'Message',
          })
        : faultError(service, 'server-error', 1);
  }
}
