import { expect, type Page } from '@playwright/test';
import { mailSinkURL } from '../../playwright.config';

/** What the app's SMTP sink received for an address (raw messages, soft line breaks joined). */
export async function mailTo(page: Page, email: string): Promise<string[]> {
	const response = await page.request.get(
		`${mailSinkURL}/messages?to=${encodeURIComponent(email)}`
	);
	const messages = (await response.json()) as Array<{ raw: string }>;
	return messages.map((mail) => mail.raw.replace(/=\r?\n/g, ''));
}

/** The sign-up link emailed to an address. */
export async function signUpLink(page: Page, email: string): Promise<string> {
	let link = '';
	await expect
		.poll(async () => {
			const found = (await mailTo(page, email))
				.map((raw) => raw.match(/https?:\/\/[^\s"<>]+\/signup\/confirm\/[a-z0-9]+/)?.[0])
				.find(Boolean);
			link = found ?? '';
			return link;
		})
		.not.toBe('');
	return link;
}
