import { getContext, setContext } from 'svelte';
import type { GroupChat } from '$lib/realtime/group-chat.svelte';

const KEY = Symbol('group-chat');

export function setGroupChat(chat: GroupChat) {
	setContext(KEY, chat);
}

export function getGroupChat(): GroupChat {
	return getContext<GroupChat>(KEY);
}

/** A byte count in words people read: "820 KB", "3.4 MB". */
export function formatBytes(bytes: number): string {
	if (bytes < 1024) return `${bytes} B`;
	if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
	if (bytes < 1024 * 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
	return `${(bytes / 1024 / 1024 / 1024).toFixed(2)} GB`;
}

export function timeOf(iso: string | Date): string {
	return new Date(iso).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

export function dateTimeOf(iso: string | Date): string {
	return new Date(iso).toLocaleString(undefined, {
		dateStyle: 'medium',
		timeStyle: 'short'
	});
}
