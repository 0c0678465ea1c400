/* dnasync-node-test: runs dnasync_node_main, for the tests (until the CLI's `node` exists). */
#include "dnasync/node.h"

int main(int argc, char **argv)
{
    return dnasync_node_main(argc, argv);
}
