/*
 * long.c - a fixture for tests/sizes/run: too_long() runs 121 lines
 * from its "{" to its "}", one over check-sizes' MAX_FUNCTION_LINES
 * (120).  The blank lines in it stand for a function that grew past
 * what a reader takes in at once.
 */

/* Not short_enough(): too long. */
int
too_long(int n)
{
	int total = 0;




















































































































	total += n;
	return total;
}
