import * as v from 'valibot';
import { isTimeZone } from '$lib/time';

/** An IANA time zone name the runtime knows ("Europe/Paris", "UTC"). */
export const timeZone = v.pipe(
	v.string('Send the time zone as a name, like "Europe/Paris".'),
	v.trim(),
	v.check(
		(name) => isTimeZone(name),
		'Choose a time zone from the list (an IANA name, like "Europe/Paris").'
	)
);

/** `{ "timeZone": "Europe/Paris" }`: a person's own settings. */
export const personSettings = v.strictObject({ timeZone });
