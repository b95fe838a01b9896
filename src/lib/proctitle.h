/*
 * proctitle.h - set what ps(1) shows for a process ("ringcastd: worker 2").
 */
#ifndef RINGCAST_PROCTITLE_H
#define RINGCAST_PROCTITLE_H

/* Call once from main() before anything reads argv or environ. */
extern char	**proctitle_environ;	/* the moved environment */
void	 proctitle_init(int argc, char **argv);
void	 proctitle_set(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));

#endif
