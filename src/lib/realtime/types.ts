/**
 * The shapes of Tessera's conversations (messages, channels, notifications, course messages) as
 * the server's domain modules return them and the browser shows them. A leaf: the socket contract
 * (events.ts) and the domains both import it, so neither imports the other.
 */
export type Person = { id: string; displayName: string };

/** One emoji on one message. `userIds` lets every receiver of a broadcast work out `mine`. */
export type Reaction = { emoji: string; count: number; mine: boolean; userIds: string[] };

export type Attachment = { id: string; filename: string; contentType: string; size: number };

export type Message = {
	id: string;
	channelId: string;
	/** Null in a direct conversation (its channel belongs to no group). */
	groupId: string | null;
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
	/** A thread reply: the top-level message it answers; null for a message of the channel. */
	threadRootId: string | null;
	/** A thread reply also shown in the channel ("also send to #channel"). */
	alsoInChannel: boolean;
	/** Replies in this message's thread (not deleted), and when the last one was written. */
	replyCount: number;
	lastReplyAt: string | null;
};

/** A thread's reply count and last reply time as they are now (pushed when a reply comes or goes). */
export type ThreadSummary = {
	channelId: string;
	rootId: string;
	replyCount: number;
	lastReplyAt: string | null;
};

/** Someone the reader may mention in a channel. */
export type Mentionable = Person;

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
	/** Null for a direct conversation. */
	groupId: string | null;
	name: string;
	kind: 'chat' | 'announcements' | 'direct';
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
	/** The sender, whom the learner may answer by direct message. */
	sentById?: string | null;
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
