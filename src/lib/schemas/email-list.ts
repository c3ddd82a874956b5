/**
 * A pasted list of emails, one entry each: entries are separated by commas, semicolons or new
 * lines, and spaces split an entry further unless it is written "Name <address>". Nothing is
 * dropped: an entry that is not an email stays in the list, so the report can name it.
 */
export function splitEmailList(text: string): string[] {
	return text.split(/[,;\r\n]+/).flatMap((entry) => {
		const trimmed = entry.trim();
		if (!trimmed) return [];
		const angled = trimmed.match(/<([^>]*)>/);
		if (angled) return [angled[1].trim()];
		return trimmed.split(/\s+/);
	});
}
