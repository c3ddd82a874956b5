import { safeFilename, sniff, SniffError, SNIFF_BYTES } from './sniff';

/** A byte count in words people read: "820 KB", "3.4 MB". */
export function formatBytes(bytes: number): string {
	if (bytes < 1024) return `${bytes} B`;
	if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
	if (bytes < 1024 * 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
	return `${(bytes / 1024 / 1024 / 1024).toFixed(2)} GB`;
}

/**
 * What one upload may be: the server's per-file limit and the storage left where it goes (a
 * group's library, or a conversation: `owner` names it in refusals).
 */
export type UploadLimits = {
	maxBytes: number;
	remainingBytes: number;
	owner?: 'group' | 'conversation';
};

/** Where files shared from the chat composer land in the group's resources. */
export const CHAT_FOLDER = 'Shared in chat';

/** Why a file would be refused, by its size alone; null when its size is fine. */
export function sizeProblem(file: { size: number }, limits: UploadLimits): string | null {
	if (file.size === 0) return 'That file is empty.';
	if (file.size > limits.maxBytes) {
		return `The file is ${formatBytes(file.size)}: upload at most ${formatBytes(limits.maxBytes)}.`;
	}
	if (file.size > limits.remainingBytes) {
		return `The ${limits.owner ?? 'group'} has ${formatBytes(Math.max(0, limits.remainingBytes))} of storage left; this file is ${formatBytes(file.size)}.`;
	}
	return null;
}

/**
 * Why the server would refuse this file, found in the browser before any of its bytes are sent:
 * its size, its name, and its type from its first bytes (the server's own sniffing rules). Null
 * when it may go. The server checks everything again; this only saves a pointless upload.
 */
export async function fileProblem(file: File, limits: UploadLimits): Promise<string | null> {
	const size = sizeProblem(file, limits);
	if (size) return size;
	try {
		const name = safeFilename(file.name);
		sniff(new Uint8Array(await file.slice(0, SNIFF_BYTES).arrayBuffer()), name);
	} catch (error) {
		if (error instanceof SniffError) return error.message;
		return 'The file could not be read. Try choosing it again.';
	}
	return null;
}

export type Progress = { loaded: number; total: number };
export type Uploading<T> = { done: Promise<T>; abort: () => void };

/** Why an upload failed, in words for the person who tried. */
export class UploadError extends Error {}

/**
 * Posts a multipart form with XMLHttpRequest, whose upload events report progress (fetch has
 * none), and reads the JSON answer. Rejects with an UploadError carrying the server's message.
 */
export function uploadForm<T>(
	url: string,
	body: FormData,
	onProgress: (progress: Progress) => void
): Uploading<T> {
	const xhr = new XMLHttpRequest();
	const done = new Promise<T>((resolve, reject) => {
		xhr.upload.onprogress = (event) => {
			if (event.lengthComputable) onProgress({ loaded: event.loaded, total: event.total });
		};
		xhr.onload = () => {
			let answer: T & { error?: { message?: string } };
			try {
				answer = JSON.parse(xhr.responseText);
			} catch {
				// Not JSON: a proxy's error page.
				reject(new UploadError(`The upload failed (HTTP ${xhr.status}).`));
				return;
			}
			if (xhr.status >= 200 && xhr.status < 300) resolve(answer);
			else {
				reject(new UploadError(answer.error?.message ?? `The upload failed (HTTP ${xhr.status}).`));
			}
		};
		xhr.onerror = () =>
			reject(new UploadError('The upload was interrupted. Check your connection and try again.'));
		xhr.onabort = () => reject(new UploadError('Upload cancelled.'));
	});
	xhr.open('POST', url);
	xhr.setRequestHeader('accept', 'application/json');
	xhr.send(body);
	return { done, abort: () => xhr.abort() };
}
