import * as files from '$lib/server/direct-messages/files';
import { endpoint, methodNotAllowed } from '$lib/server/api/respond';
import { uuidParam } from '$lib/server/api/input';
import { readUpload } from '$lib/server/resources/http';

/**
 * Uploads a file into the conversation, to attach to a message (`attachmentId` of a send):
 * multipart/form-data with a `file` field, or the raw bytes with `?filename=`.
 */
export const POST = endpoint(
	async (event, user) => {
		const conversationId = uuidParam(event, 'id');
		return readUpload(event.request, event.url, (input) =>
			files.upload(user, conversationId, input, 'api')
		);
	},
	{ status: 201 }
);

export const fallback = methodNotAllowed(['POST']);
