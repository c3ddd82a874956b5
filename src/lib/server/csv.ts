import { CsvError, parse } from 'csv-parse/sync';
import { invalid } from '$lib/server/errors';

export type CsvRow = { line: number; cells: string[] };

const REASONS: Record<string, string> = {
	CSV_QUOTE_NOT_CLOSED: 'a quoted field is never closed',
	INVALID_OPENING_QUOTE: 'a quote appears inside a field that does not start with one',
	CSV_INVALID_CLOSING_QUOTE: 'a quoted field is followed by something other than a comma',
	CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE:
		'a quoted field is followed by something other than a comma',
	CSV_RECORD_INCONSISTENT_FIELDS_LENGTH: 'the line has a different number of columns'
};

/**
 * RFC 4180 CSV read by csv-parse in strict mode (quotes must be balanced and only open a field):
 * CRLF, LF or CR line ends, a byte-order mark at the start, rows of any length. Rows whose cells
 * are all blank are left out; every row keeps the line of the file it starts on. A malformed
 * line is a 400 that names it, so an import never guesses what a broken file meant.
 */
export function parseCsv(text: string): CsvRow[] {
	const rows: CsvRow[] = [];
	// Empty lines are kept as records (and dropped below), so each record starts on the line
	// after the previous one ended: the line numbers stay those a spreadsheet shows.
	let endedAt = 0;
	try {
		parse(text, {
			bom: true,
			relax_column_count: true,
			record_delimiter: ['\r\n', '\n', '\r'],
			on_record: (cells: string[], context) => {
				if (cells.some((cell) => cell.trim() !== '')) rows.push({ line: endedAt + 1, cells });
				endedAt = context.lines;
				return null;
			}
		});
	} catch (error) {
		if (!(error instanceof CsvError)) throw error;
		const line = endedAt + 1;
		const reason = REASONS[error.code] ?? 'it is not valid CSV';
		throw invalid(
			`Line ${line} of the file cannot be read: ${reason}. Nothing was imported; fix the line and upload the file again.`,
			[{ path: `line ${line}`, message: error.message }]
		);
	}
	return rows;
}
