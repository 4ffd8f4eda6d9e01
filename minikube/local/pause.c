/* The sandbox ("pause") process of ordinary pods: holds the pod's namespaces, reaps orphans,
   and exits on SIGTERM or SIGINT. Built with `gcc -static` by minikube/local/images.ts. */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

static void stop(int signal_number) {
  (void)signal_number;
  _exit(0);
}

static void reap(int signal_number) {
  (void)signal_number;
  while (waitpid(-1, 0, WNOHANG) > 0) {
  }
}

int main(void) {
  signal(SIGTERM, stop);
  signal(SIGINT, stop);
  signal(SIGCHLD, reap);
  for (;;) pause();
}
