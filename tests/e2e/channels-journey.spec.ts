import { dropFile, openGeneral, picture, unreadOnBell } from './chat';
import { expect, test } from './fixtures';
import {
	browserFor,
	INSTRUCTOR as LEADER,
	MEMBER as LEARNER,
	noSidewaysScroll,
	SIZES,
	STUDY_CIRCLE as groupId
} from './people';

// Issue 14's walk through, two browsers side by side, on a desktop and on a phone: a learner
// mentions their leader in a thread reply; the leader's bell counts it live; the leader answers by
// direct message from the leader dashboard; the learner drops an image into the chat and the
// leader's browser shows the preview. Every page visited is scanned by axe (fixtures.ts).

for (const [device, viewport] of SIZES) {
	test(`a thread mention, a direct message from the dashboard and a dropped image, live between two browsers (${device})`, async ({
		browser
	}) => {
		const stamp = `${device}-${Date.now().toString(36)}`;
		const leader = await browserFor(browser, LEADER, viewport);
		const learner = await browserFor(browser, LEARNER, viewport);
		await openGeneral(leader, groupId);
		await openGeneral(learner, groupId);

		// The leader asks; the learner answers in a thread, mentioning them with the @ picker.
		const question = `Any questions on the lab? ${stamp}`;
		await leader.getByLabel('Message #general').fill(question);
		await leader.getByLabel('Message #general').press('Enter');
		const root = learner.getByTestId('message').filter({ hasText: question });
		await expect(root).toBeVisible();
		const bellBefore = await unreadOnBell(leader);
		await root.getByRole('button', { name: `Reply in thread to ${LEADER.name}'s message` }).click();
		const panel = learner.getByTestId('thread-panel');
		await expect(panel.getByRole('combobox', { name: 'Reply in thread' })).toBeFocused();
		await learner.keyboard.type('One, @ines');
		await expect(
			learner.getByRole('listbox', { name: 'People to mention' }).getByRole('option')
		).toHaveText([LEADER.name]);
		await learner.keyboard.press('Enter');
		await learner.keyboard.type(`: is part 2 due Friday? ${stamp}`);
		await learner.keyboard.press('Enter');
		await expect(panel.getByTestId('thread-count')).toHaveText('1 reply');
		// On a phone the thread fills the screen: the learner closes it to get back to the rest.
		await panel.getByRole('button', { name: 'Close the thread' }).click();
		await expect(panel).toBeHidden();

		// The leader's bell counts the mention without a reload.
		await expect.poll(() => unreadOnBell(leader)).toBe(bellBefore + 1);
		await expect(
			leader.getByTestId('message').filter({ hasText: question }).getByTestId('thread-summary')
		).toContainText('1 reply');

		// The leader answers privately, from the learner's page on the leader dashboard.
		await leader.goto(`/groups/${groupId}/dashboard`);
		await leader.getByRole('link', { name: LEARNER.name }).first().click();
		await expect(leader.getByRole('heading', { name: LEARNER.name })).toBeVisible();
		await leader.getByRole('button', { name: `Message ${LEARNER.name}` }).click();
		await expect(leader).toHaveURL(/\/messages\/[0-9a-f-]{36}$/);
		await expect(leader.getByTestId('connection-status')).toHaveText('Live');
		const answer = `Yes, Friday at noon. ${stamp}`;
		await leader.getByLabel('Write a message').fill(answer);
		await leader.getByLabel('Write a message').press('Enter');
		await expect(leader.getByRole('log').getByText(answer)).toBeVisible();

		// The learner, still in the group's channel, sees Messages count it live and opens it.
		await expect(learner.getByTestId('messages-unread')).toBeVisible();
		await learner
			.getByRole('navigation', { name: 'Main' })
			.getByRole('link', { name: /Messages/ })
			.click();
		await learner.getByRole('link', { name: new RegExp(answer) }).click();
		await expect(learner.getByRole('log').getByText(answer)).toBeVisible();
		await noSidewaysScroll(learner);

		// Back in the channel, the learner drops an image; the leader's browser shows its preview.
		await openGeneral(leader, groupId);
		await openGeneral(learner, groupId);
		await dropFile(learner, `lab-${stamp}.png`, await picture(learner), 'image/png');
		await expect(learner.getByAltText(`Preview of lab-${stamp}.png`)).toBeVisible();
		await learner.getByLabel('Message #general').fill(`My lab setup ${stamp}`);
		await learner.getByLabel('Message #general').press('Enter');
		const image = leader
			.getByTestId('message')
			.filter({ hasText: `My lab setup ${stamp}` })
			.getByAltText(`Attached image: lab-${stamp}.png`);
		await expect(image).toBeVisible();
		await expect
			.poll(() => image.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
			.toBe(160);
		for (const page of [leader, learner]) await noSidewaysScroll(page);
		await leader.screenshot({ path: `test-results/journey-${device}.png` });
	});
}
