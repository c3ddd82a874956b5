/** The socket contract, shared by the server and the browser through `import type`. */
export type ReadyPayload = { userId: string; displayName: string };

export type Person = { id: string; displayName: string };

/** One emoji on one message. `userIds` lets every receiver of a broadcast work out `mine`. */
export type Reaction = { emoji: string; count: number; mine: boolean; userIds: string[] };

export type Attachment = { id: string; filename: string; contentType: string; size: number };

export type Message = {
	id: string;
	channelId: string;
	groupId: string;
	/** Gap-free per channel; a deleted message keeps its seq (deletedAt set, body empty). */
	seq: number;
	author: Person;
	clientId: string;
	body: string;
	attachment: Attachment | null;
	reactions: Reaction[];
	editedAt: string | null;
	deletedAt: string | null;
	createdAt: string;
};

/**
 * What a client missed: the messages after its last seq (a page at a time), and, when it sent
 * afterChange, the messages up to that seq changed since (edited, deleted, reactions), with the
 * channel's change number to send next time. `resync`: too many changes, reload the newest page.
 */
export type CatchUp = {
	messages: Message[];
	hasMore: boolean;
	changed: Message[];
	lastChange: number;
	resync: boolean;
};

export type Channel = {
	id: string;
	groupId: string;
	name: string;
	kind: 'chat' | 'announcements';
	archivedAt: string | null;
	lastSeq: number;
	/** How many edits, deletions and reaction changes the channel has had (catch-up cursor). */
	lastChange: number;
	/** The reader's position; 0 before they read anything. */
	lastReadSeq: number;
	/** Messages after lastReadSeq by other people, not deleted. */
	unread: number;
	/** Mentions of the reader after lastReadSeq. */
	mentions: number;
	/** Whether the reader may post here now (member, messaging on, not archived; announcements: leaders and admins). */
	canPost: boolean;
	/** Whether the reader may add, archive and moderate in this group. */
	canModerate: boolean;
};

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

export type ErrorBody = { code: string; message: string; retryAfterMs?: number };
export type Failure = { ok: false; error: ErrorBody };
export type Result<T extends object = object> = ({ ok: true } & T) | Failure;
export type Ack<T extends object = object> = (result: Result<T>) => void;

export type SendInput = {
	channelId: string;
	clientId: string;
	body: string;
	attachmentId?: string | null;
};

/** Completions or activities changed in these courses: dashboards showing them reload. */
export type ProgressChangedPayload = { courseIds: string[] };

/**
 * A message from a course team to the learner groups the receiver is in, as it reaches them: the
 * course, the sender and the text, never the (hidden) learner group's id or name.
 */
export type CourseMessagePayload = {
	/** The intervention's id (what `/api/v1/me/interventions` lists and marks seen). */
	id: string;
	announcementId: string | null;
	courseId: string;
	courseCode: string;
	courseName: string;
	sentByName: string | null;
	subject: string;
	body: string;
	createdAt: string;
};

/** One entry of a person's notification inbox (`/api/v1/me/notifications` lists the same). */
export type NotificationItem = {
	id: string;
	kind: string;
	title: string;
	summary: string;
	/** Where it happened, a path in the app. */
	link: string;
	actor: Person | null;
	groupId: string | null;
	courseId: string | null;
	createdAt: string;
	readAt: string | null;
};

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
	'channel:created': (channel: Channel) => void;
	'channel:updated': (channel: Channel) => void;
	mention: (payload: { channelId: string; messageId: string; from: Person }) => void;
	'announcement:new': (announcement: AnnouncementPayload) => void;
	'course-message:new': (message: CourseMessagePayload) => void;
	'group:revoked': (payload: { groupId: string }) => void;
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
