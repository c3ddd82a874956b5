import { expect, test } from './fixtures';
import {
	browserFor,
	INSTRUCTOR as LEADER,
	MEMBER as LEARNER,
	noSidewaysScroll,
	SIZES,
	STUDY_CIRCLE as groupId
} from './people';

for (const [device, viewport] of SIZES) {
	test(`a leader messages a learner from the dashboard; the learner sees it live and answers (${device})`, async ({
		browser
	}) => {
		const stamp = `${device}-${Date.now().toString(36)}`;
		const leader = await browserFor(browser, LEADER, viewport);
		const learner = await browserFor(browser, LEARNER, viewport);

		// The leader finds the learner on the group's dashboard and presses "Message".
		await leader.goto(`/groups/${groupId}/dashboard`);
		await leader.getByRole('link', { name: LEARNER.name }).first().click();
		await expect(leader.getByRole('heading', { name: LEARNER.name })).toBeVisible();
		await leader.getByRole('button', { name: `Message ${LEARNER.name}` }).click();
		await expect(leader).toHaveURL(/\/messages\/[0-9a-f-]{36}$/);
		const conversation = new URL(leader.url()).pathname;
		await expect(leader.getByRole('heading', { level: 1, name: LEARNER.name })).toBeVisible();
		await expect(leader.getByTestId('connection-status')).toHaveText('Live');

		// The learner has the conversation open in their browser.
		await learner.goto(conversation);
		await expect(learner.getByTestId('connection-status')).toHaveText('Live');

		const question = `How is the lab report going? ${stamp}`;
		await leader.getByLabel('Write a message').fill(question);
		await leader.getByLabel('Write a message').press('Enter');
		await expect(learner.getByRole('log').getByText(question)).toBeVisible({ timeout: 10_000 });
		await expect(leader.getByRole('log').getByText(question)).toHaveCount(1);

		const answer = `Nearly done, thanks! ${stamp}`;
		await learner.getByLabel('Write a message').fill(answer);
		await learner.getByLabel('Write a message').press('Enter');
		await expect(leader.getByRole('log').getByText(answer)).toBeVisible({ timeout: 10_000 });
		await expect(learner.getByRole('log').getByText(answer)).toHaveCount(1);
		await noSidewaysScroll(learner);
		await noSidewaysScroll(leader);

		await learner.screenshot({ path: `test-results/direct-messages-${device}.png` });

		// The learner's conversation list shows it, newest message first.
		await learner.goto('/messages');
		const row = learner.getByRole('link', { name: new RegExp(answer) });
		await expect(row).toBeVisible();
		await noSidewaysScroll(learner);
		await learner.screenshot({ path: `test-results/direct-messages-list-${device}.png` });

		await leader.context().close();
		await learner.context().close();
	});
}
