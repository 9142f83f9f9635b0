import type { FastifyInstance } from 'fastify';
import type { PortalContext } from './context';

export function registerMailQueueRoutes(_app: FastifyInstance, _ctx: PortalContext): void {}
