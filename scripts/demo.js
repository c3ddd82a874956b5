// @ts-check
/** The seeded demo accounts (supabase/seed.sql), printed when the app starts. */
export const demoSignIns = [
	['Platform admin', 'admin@tessera.test', 'demo-admin-2026'],
	['Organisation admin (Northfield)', 'olivia.grant@northfield.test', 'demo-pass-2026'],
	['Organisation admin (Harbour)', 'omar.haddad@harbour.test', 'demo-pass-2026'],
	['Instructor (BIO101)', 'ines.moreau@northfield.test', 'demo-pass-2026'],
	['Leader (Mentor group A)', 'sofia.ricci@northfield.test', 'demo-pass-2026'],
	['Learner (BIO101, HIS210, DAT150)', 'maya.zhang36@learners.test', 'demo-pass-2026']
];

export function printDemoSignIns(/** @type {string} */ url) {
	const width = Math.max(...demoSignIns.map(([who]) => who.length));
	console.log(`\n  Tessera is running at ${url}\n\n  Demo sign-ins:`);
	for (const [who, email, password] of demoSignIns) {
		console.log(`    ${who.padEnd(width)}  ${email.padEnd(32)} ${password}`);
	}
	console.log('    (every other demo account uses demo-pass-2026)\n');
}
