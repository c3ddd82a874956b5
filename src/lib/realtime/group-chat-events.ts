import { pageVisible } from './channel-view.svelte';
import type { ServerToClientEvents } from './events';
import type { GroupChat } from './group-chat.svelte';

const TYPING_SHOWN_MS = 5000;

/**
 * What the server pushes to one group's page: new, edited and deleted messages, reactions,
 * typing, presence, channel changes, mentions, announcements, library changes and a revoked membership. Returns
 * the functions that stop listening.
 */
export function listenToGroup(chat: GroupChat): (() => void)[] {
	const socket = chat.connection.socket;
	const offs: (() => void)[] = [];
	const on = <E extends keyof ServerToClientEvents>(event: E, handler: ServerToClientEvents[E]) => {
		socket.on(event, handler as never);
		offs.push(() => socket.off(event, handler as never));
	};

	on('message:new', (message) => {
		const channel = chat.channel(message.channelId);
		if (!channel) return;
		const before = channel.lastSeq;
		// Without the newest page loaded, keep only the count; the page loads when opened.
		if (channel.loaded) channel.take([message]);
		else channel.info.lastSeq = Math.max(channel.info.lastSeq, message.seq);
		channel.typing.delete(message.author.id);
		if (message.seq > before) chat.countUnread(channel, [message]);
	});
	on('message:updated', (message) => {
		const channel = chat.channel(message.channelId);
		if (channel?.loaded) channel.take([message]);
		chat.thread?.take([message]);
	});
	on('message:deleted', ({ channelId, id }) => {
		chat.channel(channelId)?.markDeleted(id);
		chat.thread?.markDeleted(id);
	});
	on('reaction:updated', ({ channelId, messageId, reactions }) => {
		chat.channel(channelId)?.setReactions(messageId, reactions, chat.me.id);
		chat.thread?.setReactions(messageId, reactions, chat.me.id);
	});
	on('thread:updated', (summary) => {
		chat.channel(summary.channelId)?.summarise(summary);
		chat.thread?.summarise(summary);
	});
	on('typing', ({ channelId, user }) => {
		if (user.id === chat.me.id) return;
		chat.channel(channelId)?.typing.set(user.id, {
			person: user,
			until: Date.now() + TYPING_SHOWN_MS
		});
	});
	on('presence', ({ groupId, online }) => {
		if (groupId === chat.groupId) chat.online = online;
	});
	on('channel:created', (info) => {
		if (info.groupId === chat.groupId && !chat.channel(info.id)) {
			chat.channels = [...chat.channels, chat.viewOf(info)];
		}
	});
	on('channel:updated', (info) => {
		const channel = chat.channel(info.id);
		if (channel) {
			channel.info = {
				...info,
				lastSeq: Math.max(channel.lastSeq, info.lastSeq),
				lastReadSeq: Math.max(channel.info.lastReadSeq, info.lastReadSeq),
				unread: channel.info.unread,
				mentions: channel.info.mentions
			};
		}
	});
	on('mention', ({ channelId }) => {
		const channel = chat.channel(channelId);
		if (channel && !(channel.id === chat.activeId && pageVisible())) channel.info.mentions += 1;
	});
	on('announcement:new', (announcement) => {
		if (chat.announcements.some((a) => a.id === announcement.id)) return;
		chat.announcements = [announcement, ...chat.announcements];
		if (announcement.author.id === chat.me.id) return;
		if (!chat.feedOpen) chat.unseenAnnouncements += 1;
		chat.announcement = `New announcement: ${announcement.title}`;
	});
	on('announcement:updated', (edited) => {
		chat.announcementEdits = { ...chat.announcementEdits, [edited.id]: edited };
		chat.announcements = chat.announcements.map((a) =>
			a.id === edited.id ? { ...a, title: edited.title, body: edited.body } : a
		);
	});
	on('group:revoked', ({ groupId }) => {
		if (groupId === chat.groupId) chat.revoked = true;
	});
	on('resources:changed', ({ groupId }) => {
		if (groupId === chat.groupId) chat.libraryVersion += 1;
	});
	return offs;
}
