// SPDX-License-Identifier: GPL-2.0
/* lib/memcg.c: memory cgroups (cgroup2 at FW_CG2_MNT) */
#define _GNU_SOURCE
#include "fw.h"

/* the kernel has the memory controller, enabled (/proc/cgroups) */
int fw_memcg_controller(void)
{
	FILE *f = fopen("/proc/cgroups", "r");
	char line[256], name[64];
	int hier, num, enabled, found = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %d %d %d", name, &hier, &num, &enabled) == 4 &&
		    !strcmp(name, "memory"))
			found = enabled;
	fclose(f);
	return found;
}

/* write val to the cgroup's file; 0 or -errno */
int fw_memcg_write(const struct fw_memcg *g, const char *file, const char *val)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/%s", g->dir, file);
	return fw_write_str(path, val);
}

/* a "key N" line of a cgroup file (memory.events, memory.stat), or -1 */
long fw_memcg_key(const struct fw_memcg *g, const char *file, const char *key)
{
	char path[160], k[64];
	long v, ret = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", g->dir, file);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fscanf(f, "%63s %ld", k, &v) == 2)
		if (!strcmp(k, key))
			ret = v;
	fclose(f);
	return ret;
}

/* the process's cgroup2 path ("0::PATH" in /proc/self/cgroup); 0 or -1 */
int fw_memcg_origin(char *buf, size_t len)
{
	FILE *f = fopen("/proc/self/cgroup", "r");
	char line[256];
	int ret = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "0::", 3)) {
			line[strcspn(line, "\n")] = 0;
			if (strlen(line + 3) < len) {
				memcpy(buf, line + 3, strlen(line + 3) + 1);
				ret = 0;
			}
		}
	fclose(f);
	return ret;
}

/*
 * A child cgroup FW_CG2_MNT/TAG.PID of the root with the memory controller: cgroup2
 * mounted, +memory in the root's subtree_control. 0, or -1 with what
 * failed in err; fw_memcg_remove() undoes what was done either way.
 */
int fw_memcg_create(struct fw_memcg *g, const char *tag, char *err, size_t len)
{
	char buf[256];
	int e;

	memset(g, 0, sizeof(*g));
	if (mkdir(FW_CG2_MNT, 0755) && errno != EEXIST)
		return snprintf(err, len, "mkdir %s: %s", FW_CG2_MNT, fw_errno_name(errno)), -1;
	if (mount("cgroup2", FW_CG2_MNT, "cgroup2", 0, NULL))
		return snprintf(err, len, "mount cgroup2 on %s: %s", FW_CG2_MNT,
				fw_errno_name(errno)), -1;
	g->mounted = 1;
	/* /proc/self/cgroup has its "0::" line once cgroup2 was mounted */
	if (fw_memcg_origin(g->origin, sizeof(g->origin)))
		return snprintf(err, len, "no cgroup2 line in /proc/self/cgroup"), -1;
	if (fw_read_str(FW_CG2_MNT "/cgroup.subtree_control", buf, sizeof(buf)))
		return snprintf(err, len, "no cgroup.subtree_control"), -1;
	if (!strstr(buf, "memory")) {
		e = fw_write_str(FW_CG2_MNT "/cgroup.subtree_control", "+memory");
		if (e)
			return snprintf(err, len, "+memory in cgroup.subtree_control: %s",
					fw_errno_name(-e)), -1;
		g->enabled = 1;
	}
	snprintf(buf, sizeof(buf), FW_CG2_MNT "/%s.%d", tag, (int)getpid());
	if (mkdir(buf, 0755))
		return snprintf(err, len, "mkdir %s: %s", buf, fw_errno_name(errno)), -1;
	snprintf(g->dir, sizeof(g->dir), "%.95s", buf);	/* dir is 96 bytes */
	return 0;
}

/*
 * Move the process into the cgroup (join) or back to the one it came from;
 * 0 or -errno
 */
int fw_memcg_move(struct fw_memcg *g, int join)
{
	char pid[24], back[160];
	int e;

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	snprintf(back, sizeof(back), FW_CG2_MNT "%s/cgroup.procs",
		 strcmp(g->origin, "/") ? g->origin : "");
	e = join ? fw_memcg_write(g, "cgroup.procs", pid) : fw_write_str(back, pid);
	if (!e)
		g->joined = join;
	return e;
}

/*
 * Back to the cgroup it came from, the child removed (once what is charged to it
 * is gone it has no users: rmdir is retried while it is busy), +memory
 * and the mount undone. 0, or -1 when the process could not leave.
 */
int fw_memcg_remove(struct fw_memcg *g)
{
	int i, ret = 0;

	if (g->joined && fw_memcg_move(g, 0))
		ret = -1;
	if (g->dir[0]) {
		for (i = 0; i < 50 && rmdir(g->dir) && errno == EBUSY; i++)
			fw_sleep_ms(10);
		if (!access(g->dir, F_OK))
			printf("# note: %s not removed: %s\n", g->dir, fw_errno_name(errno));
	}
	if (g->enabled)
		fw_write_str(FW_CG2_MNT "/cgroup.subtree_control", "-memory");
	if (g->mounted && umount2(FW_CG2_MNT, 0))
		printf("# note: umount %s: %s\n", FW_CG2_MNT, fw_errno_name(errno));
	rmdir(FW_CG2_MNT);
	memset(g, 0, sizeof(*g));
	return ret;
}

/* a second thread of the process, until the pipe fd *arg is closed */
void *fw_numa_hint_sibling(void *arg)
{
	char c;

	while (read(*(int *)arg, &c, 1) < 0 && errno == EINTR)
		;
	return NULL;
}
