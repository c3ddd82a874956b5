import type { CourseRole } from '$lib/schemas/common';

export type EnrolmentValues = { role: CourseRole; status: 'active' | 'suspended' };
type Row = EnrolmentValues & { userId: string; displayName: string };

/**
 * The participants list's unsaved edits (role and status per row), saved together by one Save.
 * An edit that puts a row back as it was is no edit: the count and the marks follow what would
 * change.
 */
export class ParticipantEdits {
	#edits = $state<Record<string, Partial<EnrolmentValues>>>({});

	/** What a row shows: the edit where there is one, else the saved value. */
	value<K extends keyof EnrolmentValues>(row: Row, field: K): EnrolmentValues[K] {
		return (this.#edits[row.userId]?.[field] as EnrolmentValues[K] | undefined) ?? row[field];
	}

	set<K extends keyof EnrolmentValues>(row: Row, field: K, value: EnrolmentValues[K]) {
		const edit = { ...this.#edits[row.userId] };
		if (value === row[field]) delete edit[field];
		else edit[field] = value;
		if (Object.keys(edit).length === 0) {
			const { [row.userId]: _dropped, ...rest } = this.#edits;
			this.#edits = rest;
		} else {
			this.#edits = { ...this.#edits, [row.userId]: edit };
		}
	}

	changed(row: Row): boolean {
		const edit = this.#edits[row.userId];
		return (
			edit !== undefined &&
			((edit.role !== undefined && edit.role !== row.role) ||
				(edit.status !== undefined && edit.status !== row.status))
		);
	}

	/** The rows of `rows` with unsaved edits. */
	changedRows(rows: Row[]): Row[] {
		return rows.filter((row) => this.changed(row));
	}

	/** Edits that came back from a Save the browser posted without a script. */
	seed(changes: { userId: string; role?: string; status?: string }[], rows: Row[]) {
		for (const change of changes) {
			const row = rows.find((candidate) => candidate.userId === change.userId);
			if (!row) continue;
			if (change.role) this.set(row, 'role', change.role as CourseRole);
			if (change.status) this.set(row, 'status', change.status as EnrolmentValues['status']);
		}
	}

	discard() {
		this.#edits = {};
	}
}
