#ifndef HERALD_CRESOLV_H
#define HERALD_CRESOLV_H

/// One MX record: its preference and the exchange's host name ("" for the root: a null MX, RFC 7505).
typedef struct {
    int preference;
    char host[256];
} herald_mx_record;

/// Looks up the MX records of `domain` through the system resolver (res_nquery, thread-safe state; blocking: call it
/// off an event loop). Returns how many records it wrote to `out` (at most `capacity`), or
/// -1: the domain does not exist (NXDOMAIN);
/// -2: a temporary failure (SERVFAIL, timeout, no resolver reachable, an answer that does not parse);
/// -3: the domain exists and has no MX record (deliver to its own address: RFC 5321 section 5.1).
/// `nameserver`: an IPv4 address to ask instead of /etc/resolv.conf's (NULL: the system's), at `port` (53 usually).
int herald_mx_lookup(const char *domain, herald_mx_record *out, int capacity, const char *nameserver, int port);

#endif
