"""An SMTP server that accepts every message and keeps none: where the bench's notification emails go.

`python bench/ingest/smtp_sink.py` prints its port on the first line, then serves until killed;
it answers the commands Django's SMTP backend sends (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT).
"""

import socketserver


class Session(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        self.wfile.write(b"220 bench-sink ESMTP\r\n")
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb == b"DATA":
                self.wfile.write(b"354 go ahead\r\n")
                while (data := self.rfile.readline()) and data != b".\r\n":
                    pass
                self.wfile.write(b"250 kept nowhere\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            elif verb == b"EHLO":
                self.wfile.write(b"250 bench-sink\r\n")
            else:
                self.wfile.write(b"250 ok\r\n")


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


if __name__ == "__main__":
    with Server(("127.0.0.1", 0), Session) as server:
        print(server.server_address[1], flush=True)
        server.serve_forever()
