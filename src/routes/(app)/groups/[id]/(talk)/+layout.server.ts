import * as chat from '$lib/server/chat';
import * as memberships from '$lib/server/memberships';
import { requireAccess } from '$lib/server/access';
import { readAs } from '$lib/server/db';
import { orErrorPage, requireUser } from '$lib/server/guards';
import type { LayoutServerLoad } from './$types';

/** Channels, announcements and resources share one live shell: who may read the group gets it. */
export const load: LayoutServerLoad = async (event) => {
	const user = requireUser(event);
	const { group } = await event.parent();
	await orErrorPage(readAs(user, (tx) => requireAccess(tx, 'group.read', group.id)));
	event.depends('chat:channels');
	const [channels, roster] = await Promise.all([
		orErrorPage(chat.listChannels(user, group.id)),
		// The roster follows the group's visibility; someone who may not see it gets presence only.
		memberships.list(user, group.id).catch(() => null)
	]);
	return {
		channels,
		me: { id: user.id, displayName: user.displayName },
		canModerate: channels.some((channel) => channel.canModerate),
		roster:
			roster?.map((member) => ({
				userId: member.userId,
				displayName: member.displayName,
				role: member.role,
				viaGroupName: member.direct ? null : member.viaGroupName
			})) ?? null
	};
};
