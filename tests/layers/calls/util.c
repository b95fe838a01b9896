/* Objects that call each other: util_a needs log_b and log_b util_a. */
int log_b(int);
int util_a(int);

int
util_a(int x)
{
	return x > 0 ? log_b(x - 1) : 0;
}
