import { error } from '@sveltejs/kit';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ params, parent }) => {
	const { channels } = await parent();
	const channel = channels.find((candidate) => candidate.id === params.channelId);
	if (!channel || channel.kind !== 'chat') error(404, 'Not found, or you do not have access.');
	return { channelId: channel.id, channelName: channel.name };
};
