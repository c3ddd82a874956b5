/** Reactions: adding or taking back an emoji on a message. */
import type { Reaction } from '$lib/realtime/types';
import { isPgError, PG, withUser, type Actor, type Via } from '$lib/server/db';
import { DomainError, notFound } from '$lib/server/errors';
import { emitToChannel } from '$lib/server/realtime/emit';
import { parse } from '$lib/server/validate';
import * as schemas from '$lib/schemas/chat';
import { reactionsOf, requireActor } from './rows';

/** Adds the actor's reaction, or takes it back if they had already reacted with that emoji. */
export async function react(
	actor: Actor,
	input: unknown,
	via: Via = 'app'
): Promise<{ reactions: Reaction[] }> {
	const user = requireActor(actor);
	const { messageId, emoji } = parse(schemas.reaction, input);
	const result = await withUser(
		user,
		async (tx) => {
			const [target] = await tx<
				{ channelId: string; groupId: string | null; deletedAt: Date | null }[]
			>`
				select channel_id as "channelId", group_id as "groupId", deleted_at as "deletedAt"
				from public.messages where id = ${messageId}`;
			if (!target) throw notFound();
			if (target.deletedAt) {
				throw new DomainError(409, 'message_deleted', 'This message was deleted.');
			}
			const removed = await tx`
				delete from public.message_reactions
				where message_id = ${messageId} and user_id = ${user.id} and emoji = ${emoji} returning 1`;
			if (removed.length === 0) {
				const [{ count }] = await tx<{ count: number }[]>`
					select count(distinct emoji)::int as count from public.message_reactions where message_id = ${messageId}`;
				if (count >= 20) {
					throw new DomainError(
						409,
						'too_many_reactions',
						'A message takes at most 20 different reactions.'
					);
				}
				await tx`
					insert into public.message_reactions (message_id, user_id, emoji)
					values (${messageId}, ${user.id}, ${emoji}) on conflict do nothing`;
			}
			const reactions = (await reactionsOf(tx, [messageId], user.id)).get(messageId) ?? [];
			return { ...target, reactions };
		},
		via
	).catch((error) => {
		if (isPgError(error, PG.checkViolation)) {
			throw new DomainError(400, 'invalid_input', 'That reaction is not valid.');
		}
		// Someone who only reads the channel (a visible-mode course group they are not in).
		if (isPgError(error, PG.insufficientPrivilege)) {
			throw new DomainError(
				403,
				'forbidden',
				'You can read this group’s channels, but react only in the groups you belong to.'
			);
		}
		throw error;
	});
	emitToChannel(result, 'reaction:updated', {
		channelId: result.channelId,
		messageId,
		reactions: result.reactions.map((reaction) => ({ ...reaction, mine: false }))
	});
	return { reactions: result.reactions };
}
