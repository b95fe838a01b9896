int log_b(int);
int util_a(int);

int
log_b(int x)
{
	return util_a(x);
}
