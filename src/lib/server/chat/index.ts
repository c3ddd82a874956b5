/**
 * Group chat, by verb family: channels, reading (history, catch-up, search), sending, editing and
 * deleting, reactions. Routes and the socket handlers import this room as one namespace.
 */
export type { Channel, Message, Reaction } from '$lib/realtime/types';
export * from './channels';
export * from './read';
export * from './send';
export * from './edit';
export * from './reactions';
export * from './threads';
