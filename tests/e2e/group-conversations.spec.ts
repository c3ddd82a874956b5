import { picture } from './chat';
import { expect, test } from './fixtures';
import { browserFor, INSTRUCTOR, MEMBER, noSidewaysScroll, SIZES } from './people';

// A conversation of several people started from the Messages page ("New conversation": search
// by name, add, start), a file from the device sent in it with a mention, and the others seeing
// both live and downloading the file (issue 14: direct messages have the channels' features).

for (const [device, viewport] of SIZES) {
	test(`a group conversation started from Messages carries a file and a mention (${device})`, async ({
		browser
	}) => {
		const stamp = `${device}-${Date.now().toString(36)}`;
		const ines = await browserFor(browser, INSTRUCTOR, viewport);
		const maya = await browserFor(browser, MEMBER, viewport);

		// Someone else Inès may message, besides Maya: the search's own answer names them.
		const found = await (await ines.request.get('/api/v1/me/contacts?q=a')).json();
		const third = (found as { id: string; displayName: string }[]).find(
			(person) => person.displayName !== MEMBER.name
		);
		expect(third, 'Inès may message someone besides Maya').toBeTruthy();

		await ines.goto('/messages');
		await ines.getByRole('button', { name: 'New conversation' }).click();
		const search = ines.getByLabel('Add people by name');
		await expect(search).toBeFocused();
		// Accents and case do not matter; a search that finds nobody says so.
		await search.fill('zzqx-nobody');
		await expect(ines.getByTestId('contacts-empty')).toBeVisible();
		await search.fill('MAYA zh');
		await ines.getByRole('button', { name: `Add ${MEMBER.name}` }).click();
		await expect(search).toBeFocused();
		await search.fill(third!.displayName);
		await ines.getByRole('button', { name: `Add ${third!.displayName}` }).click();
		const chosen = ines.getByTestId('contacts-chosen');
		await expect(chosen.getByRole('listitem')).toHaveCount(2);
		// Taking someone out again, and putting them back, by keyboard.
		await chosen.getByRole('button', { name: `Remove ${third!.displayName}` }).click();
		await expect(chosen.getByRole('listitem')).toHaveCount(1);
		await search.fill(third!.displayName);
		await expect(ines.getByRole('button', { name: `Add ${third!.displayName}` })).toBeVisible();
		await search.press('Enter');
		await expect(chosen.getByRole('listitem')).toHaveCount(2);
		await noSidewaysScroll(ines);
		await ines.screenshot({ path: `test-results/new-conversation-${device}.png` });
		await ines.getByRole('button', { name: 'Start a conversation with 2 people' }).click();

		await expect(ines).toHaveURL(/\/messages\/[0-9a-f-]{36}$/);
		const conversation = new URL(ines.url()).pathname;
		await expect(ines.getByTestId('connection-status')).toHaveText('Live');
		await maya.goto(conversation);
		await expect(maya.getByTestId('connection-status')).toHaveText('Live');

		// A picture from Inès's device, sent with a mention picked from the @ list.
		const png = await picture(ines);
		await ines.getByTestId('composer-file').setInputFiles({
			name: `plan-${stamp}.png`,
			mimeType: 'image/png',
			buffer: png
		});
		await expect(ines.getByText(`Attached: plan-${stamp}.png`)).toBeVisible();
		const box = ines.getByLabel('Write a message');
		await box.fill('@maya');
		await expect(ines.getByRole('option', { name: MEMBER.name })).toBeVisible();
		await box.press('Enter');
		await box.pressSequentially(`here is the plan ${stamp}`);
		await box.press('Enter');

		// Maya sees it live: the text, the mention of her, the picture inline, and the file downloads.
		const message = maya.getByRole('log').getByTestId('message').filter({ hasText: stamp });
		await expect(message).toBeVisible({ timeout: 10_000 });
		await expect(message.getByTestId('mention-of-me')).toHaveText(`@${MEMBER.name}`);
		const image = message.getByAltText(`Attached image: plan-${stamp}.png`);
		await expect(image).toBeVisible();
		await expect.poll(() => image.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(160);
		const href = await message
			.getByRole('link', { name: new RegExp(`plan-${stamp}`) })
			.last()
			.getAttribute('href');
		expect(href).toMatch(/^\/messages\/[0-9a-f-]{36}\/files\/[0-9a-f-]{36}$/);
		const downloaded = await maya.request.get(href!);
		expect(downloaded.status()).toBe(200);
		expect(Buffer.from(await downloaded.body())).toEqual(png);
		await noSidewaysScroll(maya);
		await maya.screenshot({ path: `test-results/group-conversation-${device}.png` });

		// The conversation's list names both other people for Maya.
		await maya.goto('/messages');
		await expect(
			maya.getByRole('link', { name: new RegExp(`here is the plan ${stamp}`) })
		).toBeVisible();

		await ines.context().close();
		await maya.context().close();
	});
}
