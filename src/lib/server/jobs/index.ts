// The job queue (pg-boss): a leaf that the domains use to declare, send and schedule their jobs.
// It imports no domain; src/lib/server/background/ starts the workers.
export {
	defineQueue,
	schedule,
	stopBoss,
	work,
	type JobHandler,
	type Queue,
	type QueueDefinition
} from './boss';
