#include "cresolv.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdlib.h>
#include <string.h>

int herald_mx_lookup(const char *domain, herald_mx_record *out, int capacity, const char *nameserver, int port) {
    struct __res_state state;
    memset(&state, 0, sizeof state);
    if (res_ninit(&state) != 0) return -2;
    // Bounded: 2 s per try, 2 tries, then it is a temporary failure.
    state.retrans = 2;
    state.retry = 2;
    if (nameserver != NULL) {
        struct sockaddr_in address;
        memset(&address, 0, sizeof address);
        address.sin_family = AF_INET;
        address.sin_port = htons((unsigned short)port);
        if (inet_pton(AF_INET, nameserver, &address.sin_addr) != 1) {
            res_nclose(&state);
            return -2;
        }
        state.nsaddr_list[0] = address;
        state.nscount = 1;
    }
    unsigned char *answer = malloc(NS_MAXMSG);
    if (answer == NULL) {
        res_nclose(&state);
        return -2;
    }
    int length = res_nquery(&state, domain, ns_c_in, ns_t_mx, answer, NS_MAXMSG);
    if (length < 0) {
        int error = state.res_h_errno;
        free(answer);
        res_nclose(&state);
        if (error == HOST_NOT_FOUND) return -1;
        if (error == NO_DATA) return -3;
        return -2;
    }
    ns_msg message;
    if (ns_initparse(answer, length, &message) < 0) {
        free(answer);
        res_nclose(&state);
        return -2;
    }
    int count = 0;
    int records = ns_msg_count(message, ns_s_an);
    for (int index = 0; index < records && count < capacity; index++) {
        ns_rr record;
        if (ns_parserr(&message, ns_s_an, index, &record) < 0) continue;
        if (ns_rr_type(record) != ns_t_mx || ns_rr_rdlen(record) < 3) continue;
        const unsigned char *data = ns_rr_rdata(record);
        out[count].preference = ns_get16(data);
        if (dn_expand(ns_msg_base(message), ns_msg_end(message), data + 2, out[count].host, sizeof out[count].host) < 0) continue;
        count++;
    }
    free(answer);
    res_nclose(&state);
    return count == 0 ? -3 : count;
}
