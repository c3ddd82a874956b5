import type { Person } from '$lib/realtime/types';

/** A conversation's name from its other people: "Maya Zhang", "Maya, Ines and 2 others". */
export function conversationTitle(people: Person[]): string {
	if (people.length === 0) return 'Just you';
	if (people.length === 1) return people[0].displayName;
	const first = people.map((person) => person.displayName.split(' ')[0]);
	if (people.length === 2) return `${first[0]} and ${first[1]}`;
	const rest = people.length - 2;
	return `${first[0]}, ${first[1]} and ${rest} other${rest === 1 ? '' : 's'}`;
}
