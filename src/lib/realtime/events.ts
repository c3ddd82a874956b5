/** The socket contract, shared by the server and the browser through `import type`. */
import type {
	Channel,
	CatchUp,
	CourseMessagePayload,
	Mentionable,
	Message,
	NotificationItem,
	Person,
	Reaction,
	ThreadSummary
} from './types';

export type * from './types';

export type ReadyPayload = { userId: string; displayName: string };

/** A minimal announcement as pushed live; the announcements module owns the full shape. */
export type AnnouncementPayload = {
	id: string;
	groupId: string;
	title: string;
	body: string;
	pinned: boolean;
	author: Person;
	publishedAt: string;
	[key: string]: unknown;
};

export type AnnouncementEdited = {
	id: string;
	groupId: string;
	title: string;
	body: string;
	editedAt: string | null;
};

export type ErrorBody = { code: string; message: string; retryAfterMs?: number };
export type Failure = { ok: false; error: ErrorBody };
export type Result<T extends object = object> = ({ ok: true } & T) | Failure;
export type Ack<T extends object = object> = (result: Result<T>) => void;

export type SendInput = {
	channelId: string;
	clientId: string;
	body: string;
	attachmentId?: string | null;
	threadRootId?: string | null;
	alsoInChannel?: boolean;
};

/** Completions or activities changed in these courses: dashboards showing them reload. */
export type ProgressChangedPayload = { courseIds: string[] };

export interface ServerToClientEvents {
	ready: (payload: ReadyPayload) => void;
	'progress:changed': (payload: ProgressChangedPayload) => void;
	'message:new': (message: Message) => void;
	'message:updated': (message: Message) => void;
	'message:deleted': (payload: { channelId: string; id: string; seq: number }) => void;
	'reaction:updated': (payload: {
		channelId: string;
		messageId: string;
		reactions: Reaction[];
	}) => void;
	typing: (payload: { channelId: string; user: Person }) => void;
	presence: (payload: { groupId: string; online: Person[] }) => void;
	/** A reply came or went: the thread's count and last reply now. */
	'thread:updated': (payload: ThreadSummary) => void;
	'channel:created': (channel: Channel) => void;
	'channel:updated': (channel: Channel) => void;
	mention: (payload: { channelId: string; messageId: string; from: Person }) => void;
	'announcement:new': (announcement: AnnouncementPayload) => void;
	/** An announcement that has gone out was edited: its new title and text. */
	'announcement:updated': (payload: AnnouncementEdited) => void;
	'course-message:new': (message: CourseMessagePayload) => void;
	'group:revoked': (payload: { groupId: string }) => void;
	/** The group's library changed (a file or link added, changed or removed): read it again. */
	'resources:changed': (payload: {
		groupId: string;
		resourceId: string;
		change: 'added' | 'updated' | 'removed';
	}) => void;
	/** A new notification for this person, with their unread count after it. */
	'notification:new': (payload: { notification: NotificationItem; unread: number }) => void;
	/** Notifications marked read on one of this person's devices ('all', or the ids). */
	'notification:read': (payload: { ids: string[] | 'all'; unread: number }) => void;
}

export interface ClientToServerEvents {
	whoami: (ack: (payload: ReadyPayload) => void) => void;
	'message:send': (input: SendInput, ack: Ack<{ message: Message }>) => void;
	'message:edit': (
		input: { messageId: string; body: string },
		ack: Ack<{ message: Message }>
	) => void;
	'message:delete': (input: { messageId: string }, ack: Ack) => void;
	'reaction:toggle': (
		input: { messageId: string; emoji: string },
		ack: Ack<{ reactions: Reaction[] }>
	) => void;
	'channel:catchup': (
		input: { channelId: string; afterSeq: number; afterChange?: number },
		ack: Ack<CatchUp>
	) => void;
	'channel:history': (
		input: { channelId: string; beforeSeq?: number; limit?: number },
		ack: Ack<{ messages: Message[]; hasMore: boolean }>
	) => void;
	'channel:search': (
		input: { channelId: string; query: string },
		ack: Ack<{ messages: Message[] }>
	) => void;
	'channel:read': (input: { channelId: string; seq: number }, ack: Ack) => void;
	/** A thread: its root, replies after afterSeq, and whether the caller follows it. */
	'thread:open': (
		input: { rootId: string; afterSeq?: number },
		ack: Ack<{ root: Message; replies: Message[]; hasMore: boolean; following: boolean }>
	) => void;
	'thread:follow': (
		input: { rootId: string; following: boolean },
		ack: Ack<{ rootId: string; following: boolean }>
	) => void;
	/** The people the caller may mention in a channel, and whether @channel is theirs to use. */
	'channel:mentionables': (
		input: { channelId: string },
		ack: Ack<{ people: Mentionable[]; canMentionChannel: boolean }>
	) => void;
	typing: (input: { channelId: string }) => void;
	'presence:list': (input: { groupId: string }, ack: Ack<{ online: Person[] }>) => void;
}

export interface SocketData {
	userId: string;
	sessionId: string;
	displayName: string;
	/** When the session ends by the clock unless used again (ms since the epoch). */
	endsAt: number;
}
