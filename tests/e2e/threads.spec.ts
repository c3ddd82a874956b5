import { expect, test } from './fixtures';
import { openGeneral, unreadOnBell } from './chat';
import {
	browserFor,
	groupWithLeaderAndMember,
	INSTRUCTOR as LEADER,
	MEMBER as LEARNER,
	noSidewaysScroll,
	SIZES
} from './people';

for (const [device, viewport] of SIZES) {
	test(`a learner mentions the leader in a thread reply with the keyboard; the leader sees the reply count and the bell count up live (${device})`, async ({
		browser,
		accessibility
	}) => {
		const stamp = Date.now().toString(36);
		const groupId = await groupWithLeaderAndMember(
			browser,
			`Reading circle ${device} ${stamp}`,
			LEADER,
			LEARNER
		);
		const leader = await browserFor(browser, LEADER, viewport);
		const learner = await browserFor(browser, LEARNER, viewport);
		await openGeneral(leader, groupId);
		await openGeneral(learner, groupId);

		const question = `Who has read chapter 3? ${stamp}`;
		await leader.getByRole('combobox', { name: 'Message #general' }).fill(question);
		await leader.getByRole('combobox', { name: 'Message #general' }).press('Enter');
		const root = learner.getByTestId('message').filter({ hasText: question });
		await expect(root).toBeVisible();
		const before = await unreadOnBell(leader);

		// The learner answers in a thread: the panel opens with the reply box focused.
		await root.getByRole('button', { name: `Reply in thread to ${LEADER.name}'s message` }).click();
		const panel = learner.getByTestId('thread-panel');
		await expect(panel.getByRole('heading', { name: 'Thread in #general' })).toBeVisible();
		await expect(panel.getByText('No replies yet.')).toBeVisible();
		const reply = panel.getByRole('combobox', { name: 'Reply in thread' });
		await expect(reply).toBeFocused();

		// "@ines" finds Inès Moreau without the accent; arrows move, Escape closes, Enter picks.
		await learner.keyboard.type('I have! @ines');
		const people = learner.getByRole('listbox', { name: 'People to mention' });
		await expect(people.getByRole('option')).toHaveText([LEADER.name]);
		await expect(reply).toHaveAttribute('aria-expanded', 'true');
		await expect(people.getByRole('option', { name: LEADER.name })).toHaveAttribute(
			'aria-selected',
			'true'
		);
		await learner.keyboard.press('Escape');
		await expect(people).toBeHidden();
		await expect(panel).toBeVisible();
		await learner.keyboard.type(' ');
		await learner.keyboard.press('Backspace');
		await expect(people).toBeVisible();
		await accessibility.scan(learner);
		await learner.keyboard.press('Enter');
		await expect(reply).toHaveValue(`I have! @${LEADER.name} `);
		await learner.keyboard.type('see page 12.');
		await learner.keyboard.press('Enter');

		const sent = panel.getByTestId('message').filter({ hasText: 'see page 12.' });
		await expect(sent).toBeVisible();
		await expect(panel.getByTestId('thread-count')).toHaveText('1 reply');
		// The learner follows the thread they replied in.
		await expect(panel.getByTestId('thread-follow')).toHaveAccessibleName('Unfollow this thread');
		// Only in the thread: the channel shows the count, not the reply.
		await expect(root.getByTestId('thread-summary')).toContainText('1 reply');
		await learner.screenshot({ path: `test-results/thread-panel-${device}.png` });
		await accessibility.scan(learner);

		// The leader, without reloading: the count on their message and the bell.
		const leaderRoot = leader.getByTestId('message').filter({ hasText: question });
		await expect(leaderRoot.getByTestId('thread-summary')).toContainText('1 reply', {
			timeout: 10_000
		});
		await expect.poll(() => unreadOnBell(leader), { timeout: 10_000 }).toBe(before + 1);
		await expect(leader.getByRole('status').filter({ hasText: 'New notification' })).toContainText(
			`${LEARNER.name} mentioned you in #general`
		);

		// The leader opens the thread and sees the reply, their mention highlighted.
		await leaderRoot.getByTestId('thread-summary').click();
		const leaderPanel = leader.getByTestId('thread-panel');
		await expect(
			leaderPanel.getByTestId('message').filter({ hasText: 'see page 12.' })
		).toBeVisible();
		await expect(leaderPanel.getByTestId('thread-follow')).toHaveAccessibleName(
			'Unfollow this thread'
		);
		// No sideways overflow on the phone.
		await noSidewaysScroll(learner);
		// Escape closes the thread.
		await leader.keyboard.press('Escape');
		await expect(leaderPanel).toBeHidden();
	});
}
