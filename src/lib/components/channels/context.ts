import { getContext, setContext } from 'svelte';
import { formatDateTime, formatTime } from '$lib/time';
import { personZone } from '$lib/zone.svelte';
import type { GroupChat } from '$lib/realtime/group-chat.svelte';

const KEY = Symbol('group-chat');

export function setGroupChat(chat: GroupChat) {
	setContext(KEY, chat);
}

export function getGroupChat(): GroupChat {
	return getContext<GroupChat>(KEY);
}

export { formatBytes } from '$lib/files/upload';

/** The time of day, in the person's time zone. */
export function timeOf(iso: string | Date): string {
	return formatTime(iso, personZone());
}

/** Date and time, in the person's time zone. */
export function dateTimeOf(iso: string | Date): string {
	return formatDateTime(iso, personZone());
}
