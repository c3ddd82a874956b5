import { getContext, setContext } from 'svelte';
import type { GroupChat } from '$lib/realtime/group-chat.svelte';

const KEY = Symbol('group-chat');

export function setGroupChat(chat: GroupChat) {
	setContext(KEY, chat);
}

export function getGroupChat(): GroupChat {
	return getContext<GroupChat>(KEY);
}

export { formatBytes } from '$lib/files/upload';

export function timeOf(iso: string | Date): string {
	return new Date(iso).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

export function dateTimeOf(iso: string | Date): string {
	return new Date(iso).toLocaleString(undefined, {
		dateStyle: 'medium',
		timeStyle: 'short'
	});
}
