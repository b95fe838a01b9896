/* A route that queues its own answer (without http_queue's CORS). */
int	MHD_queue_response(void *, unsigned, void *);
int	stream_respond(void *);

int
stream_respond(void *conn)
{
	return MHD_queue_response(conn, 200, 0);
}
