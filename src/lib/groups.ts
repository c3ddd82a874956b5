/** Words the groups UI uses for settings, shared by pages and components. */

export const KINDS = ['cohort', 'group', 'team', 'class', 'staff', 'study group'] as const;

export const VISIBILITY: Record<string, { label: string; explain: string }> = {
	scope: {
		label: 'Everyone in scope',
		explain: 'Everyone in the organisation (or course) sees the group and who is in it.'
	},
	members: {
		label: 'Members',
		explain: 'Its members see the group; only people in the group itself see who else is in it.'
	},
	own: {
		label: 'Private roster',
		explain: 'Members see the group but only their own membership.'
	},
	hidden: {
		label: 'Hidden',
		explain:
			'Only staff and leaders see it. Its own members do not, and its name never reaches a learner.'
	}
};

export const MODES: Record<string, { label: string; explain: string }> = {
	manual: { label: 'Manual', explain: 'Admins and leaders add people.' },
	open: { label: 'Open', explain: 'Anyone who can see the group may join and leave it.' },
	request: { label: 'By request', explain: 'People ask to join; a leader approves or declines.' },
	invite: { label: 'By invitation', explain: 'People join with an invitation link.' },
	rule: { label: 'Rule-based', explain: 'Membership follows a rule (learner groups).' },
	sync: {
		label: 'Synced',
		explain: 'Kept in step by a course link or an external system; only they change its members.'
	}
};

export const LEADER_PERMISSIONS = [
	['leadersManageMembers', 'Add and remove members'],
	['leadersCreateSubgroups', 'Create sub-groups'],
	['leadersPostAnnouncements', 'Post announcements'],
	['leadersSeeProgress', 'See members’ progress'],
	['leadersModerate', 'Moderate discussions']
] as const;

export function plural(count: number, one: string, many = `${one}s`) {
	return `${count} ${count === 1 ? one : many}`;
}

/** Nodes in tree order (parents first) as a map of children, roots under ''. */
export function childrenOf<T extends { id: string; parentId: string | null }>(nodes: T[]) {
	const ids = new Set(nodes.map((node) => node.id));
	const children = new Map<string, T[]>();
	for (const node of nodes) {
		const key = node.parentId && ids.has(node.parentId) ? node.parentId : '';
		const list = children.get(key) ?? [];
		list.push(node);
		children.set(key, list);
	}
	return children;
}

/** The ids of a node and everything below it. */
export function subtreeIds<T extends { id: string; parentId: string | null }>(
	children: Map<string, T[]>,
	id: string
): Set<string> {
	const found = new Set<string>([id]);
	const stack = [id];
	while (stack.length > 0) {
		for (const child of children.get(stack.pop()!) ?? []) {
			if (!found.has(child.id)) {
				found.add(child.id);
				stack.push(child.id);
			}
		}
	}
	return found;
}

/**
 * Where opening a group lands: its conversation for the people who may read its channels
 * (members, leaders, its managers), else its members page. The channels page opens `general`.
 */
export function groupHref(group: {
	id: string;
	isMember?: boolean;
	isLeader?: boolean;
	canManage?: boolean;
}): `/groups/${string}` {
	return group.isMember || group.isLeader || group.canManage
		? `/groups/${group.id}/channels`
		: `/groups/${group.id}`;
}
