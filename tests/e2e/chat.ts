import { expect, type Page } from './fixtures';

// Steps the chat specs share: opening a group's #general, reading the bell, and files from the
// device (a picture drawn by the browser, dropped or pasted as a person would).

export async function openGeneral(page: Page, groupId: string) {
	await page.goto(`/groups/${groupId}/channels`);
	await expect(page.getByRole('heading', { level: 2, name: 'general' })).toBeVisible();
	await expect(page.getByTestId('connection-status')).toHaveText('Live');
}

/** The bell's number as people read it: from its accessible name. */
export async function unreadOnBell(page: Page): Promise<number> {
	const label = (await page.getByTestId('notification-bell').getAttribute('aria-label')) ?? '';
	const match = label.match(/(\d+) unread/);
	return match ? Number(match[1]) : 0;
}

/** A real 160×90 PNG, drawn by the browser (a blue sky over green hills). */
export async function picture(page: Page): Promise<Buffer> {
	const base64 = await page.evaluate(async () => {
		const canvas = new OffscreenCanvas(160, 90);
		const context = canvas.getContext('2d')!;
		context.fillStyle = '#7dd3fc';
		context.fillRect(0, 0, 160, 90);
		context.fillStyle = '#16a34a';
		context.beginPath();
		context.ellipse(50, 95, 80, 40, 0, 0, Math.PI * 2);
		context.ellipse(130, 100, 70, 45, 0, 0, Math.PI * 2);
		context.fill();
		const bytes = new Uint8Array(await (await canvas.convertToBlob()).arrayBuffer());
		return btoa(String.fromCharCode(...bytes));
	});
	return Buffer.from(base64, 'base64');
}

/** Drops a file on the composer the way a desktop drag does (a DataTransfer carrying Files). */
export async function dropFile(page: Page, name: string, bytes: Buffer, type: string) {
	const transfer = await page.evaluateHandle(
		({ name, base64, type }) => {
			const data = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
			const transfer = new DataTransfer();
			transfer.items.add(new File([data], name, { type }));
			return transfer;
		},
		{ name, base64: bytes.toString('base64'), type }
	);
	const composer = page.getByTestId('composer').first();
	await composer.dispatchEvent('dragenter', { dataTransfer: transfer });
	await composer.dispatchEvent('dragover', { dataTransfer: transfer });
	await expect(composer.getByText('Drop to share in #general')).toBeVisible();
	await composer.dispatchEvent('drop', { dataTransfer: transfer });
}

/** Pastes a file into the message box, as copying an image and pressing Ctrl+V does. */
export async function pasteFile(page: Page, name: string, bytes: Buffer, type: string) {
	await page.getByLabel('Message #general').evaluate(
		(box, { name, base64, type }) => {
			const data = Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
			const transfer = new DataTransfer();
			transfer.items.add(new File([data], name, { type }));
			box.dispatchEvent(new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true }));
		},
		{ name, base64: bytes.toString('base64'), type }
	);
}
