/*
 * WP harness for the ACSL contracts of include/procmgr/kernel.h.
 *
 * The sim's construction calls are proven against these contracts by
 * make proof-sim (spec/kernel-interface.md section 7c); what this proves is that the
 * contracts are consistent and usable by a proof of the core as written:
 * a caller building and tearing down a process through every operation
 * discharges every call's preconditions, keeps its own memory intact (the
 * "assigns" clauses), and can rely on the result sets.  It also proves the
 * static inline functions of kernel.h (pm_k_teardown, pm_k_drop).
 *
 * The construction calls' preconditions (PM_K_PRE, spec/kernel-interface.md
 * "Construction contracts") are met the way the loader meets them: the
 * addresses come from pm_k_get_limits, a write lands inside an earlier
 * mapping, and the start's entry and stack pointer lie in an executable
 * and a writable mapping of the bound address space, with only calls that
 * keep the ghost mapping state (pm_k_vm) in between.  Protect and unmap
 * come first because after them the caller knows no mapping any more.
 */
#include "procmgr/kernel.h"

/*@ requires \valid(ev) && \valid(lim);
    requires \separated(ev, lim);
    assigns *ev, *lim, pm_k_world, pm_k_vm, pm_k_tb;
    ensures pm_k_status(\result);
*/
pm_status pm_kernel_contract_use(struct pm_kernel *k, pm_kcap image,
                                 pm_kevent *ev, pm_k_limits *lim);

pm_status pm_kernel_contract_use(struct pm_kernel *k, pm_kcap image,
                                 pm_kevent *ev, pm_k_limits *lim)
{
    pm_kcap as = PM_KCAP_NULL, cs = PM_KCAP_NULL, th = PM_KCAP_NULL;
    pm_kcap ep = PM_KCAP_NULL, d = PM_KCAP_NULL, job = PM_KCAP_NULL;
    pm_kcap_info info;
    pm_k_as_info asinfo;
    uint64_t size = 0, last_aux = 0;
    uint8_t hdr[64];
    const uint8_t stack[16] = { 0 };
    uint64_t page, lo;

    pm_k_get_limits(k, lim);
    page = lim->page_size;
    lo = lim->user_min;
    pm_status st = pm_k_image_size(k, image, &size);
    /* Room for five pages from user_min, aligned, a non-empty image. */
    if (st == PM_OK && (page < 16u || lo % page != 0u || size == 0u ||
                        (lim->user_limit - lo) / 5u < page))
        st = PM_E_K_RANGE;
    if (st == PM_OK)
        st = pm_k_image_read(k, image, 0, hdr, sizeof hdr);
    if (st == PM_OK)
        st = pm_k_cap_info(k, image, &info);
    if (st == PM_OK)
        st = pm_k_as_create(k, &as);
    if (st == PM_OK) {
        st = pm_k_as_get_info(k, as, &asinfo);
        /* The bound on naux lets the caller index the entries safely. */
        if (st == PM_OK && asinfo.naux > 0u)
            last_aux = asinfo.aux[asinfo.naux - 1u].type;
    }
    (void)last_aux;
    if (st == PM_OK)
        st = pm_k_cspace_create(k, 4u, &cs);
    if (st == PM_OK)
        st = pm_k_thread_create(k, 7u, &th);
    if (st == PM_OK)
        st = pm_k_endpoint_create(k, &ep);
    if (st == PM_OK)
        st = pm_k_as_map_zero(k, as, lo + page, page, PM_PROT_R | PM_PROT_W);
    if (st == PM_OK)
        st = pm_k_as_protect(k, as, lo + page, page, PM_PROT_R);
    if (st == PM_OK)
        st = pm_k_as_unmap(k, as, lo + page, page);
    if (st == PM_OK)
        st = pm_k_as_map_image(k, as, image, 0, page, lo, PM_PROT_R | PM_PROT_X);
    if (st == PM_OK)
        st = pm_k_as_map_zero(k, as, lo + 2u * page, 2u * page, PM_PROT_R | PM_PROT_W);
    if (st == PM_OK)
        st = pm_k_as_write(k, as, lo + 4u * page - 16u, stack, sizeof stack);
    if (st == PM_OK)
        st = pm_k_cap_derive(k, ep, PM_KR_WRITE | PM_KR_GRANT, &d);
    if (st == PM_OK)
        st = pm_k_cspace_mint(k, cs, 0, d, PM_KR_WRITE, 1u);
    if (st == PM_OK)
        st = pm_k_cspace_delete(k, cs, 0);
    if (st == PM_OK)
        st = pm_k_cspace_mint(k, cs, 1, d, PM_KR_WRITE, 0);
    if (st == PM_OK)
        st = pm_k_cspace_set_cwd(k, cs, 1);
    if (st == PM_OK)
        st = pm_k_cspace_mint(k, cs, 2, d, PM_KR_READ, 0);
    if (st == PM_OK) {
        static const uint8_t path[4] = { '/', 's', 'v', 'c' };
        pm_status ms = pm_k_cspace_mount(k, cs, 2, path, sizeof path);
        st = ms == PM_E_LINUX_NAME_MOUNTPOINT ? PM_E_K_STATE : ms;
    }
    if (st == PM_OK) {
        pm_status bs = pm_k_thread_bind(k, th, as, cs, lo + 2u * page);
        st = bs == PM_E_LINUX_NAMESPACE_DENIED || bs == PM_E_LINUX_NAME_MOUNTPOINT
             ? PM_E_K_STATE : bs;
    }
    if (st == PM_OK) {
        pm_status rs = pm_k_thread_set_rlimit(k, th, PM_K_RLIMIT_CPU, 1u, 2u);
        st = rs == PM_E_LINUX_RLIMIT_DENIED ? PM_E_K_STATE : rs;
    }
    if (st == PM_OK) {
        /* Jobs: the two LINUX codes are the caller's to pass on. */
        pm_status js = pm_k_job_create(k, 42u, &job);
        if (js == PM_OK)
            js = pm_k_job_add(k, job, th);
        st = js == PM_E_LINUX_JOB_CGROUP ? PM_E_K_STATE : js;
    }
    if (st == PM_OK) {
        /* The one non-KERNEL code a caller has to map (or pass on). */
        pm_status ps = pm_k_thread_set_priority(k, th, PM_K_PRIORITY_MAX);
        st = ps == PM_E_LINUX_PRIORITY_DENIED ? PM_E_K_STATE : ps;
    }
    if (st == PM_OK)
        st = pm_k_thread_start(k, th, lo, lo + 4u * page - 16u);
    if (st == PM_OK) {
        pm_k_usage u;
        st = pm_k_thread_usage(k, th, &u);
        /* the result set bounds the valid mask */
        if (st == PM_OK && (u.valid & ~PM_K_USAGE_ALL) != 0u)
            st = PM_E_K_STATE;
    }
    if (st == PM_OK)
        st = pm_k_thread_signal(k, th, PM_K_SIGSTOP);
    if (st == PM_OK)
        st = pm_k_thread_signal(k, th, PM_K_SIGCONT);
    if (st == PM_OK) {
        pm_status fs = pm_k_job_freeze(k, job, 1u);
        if (fs == PM_OK)
            fs = pm_k_job_freeze(k, job, 0u);
        if (fs == PM_OK && pm_k_job_mode(k) == PM_K_JOB_MODE_CGROUP)
            fs = pm_k_job_kill(k, job);
        st = (fs == PM_E_LINUX_JOB_CGROUP || fs == PM_E_LINUX_JOB_FREEZE)
                 ? PM_E_K_STATE : fs;
    }
    if (st == PM_OK) {
        /* Limits: three LINUX codes to pass on; usage never fails on a
         * value it cannot read, and says which it could. */
        pm_kjob_usage u;
        pm_status ls = pm_k_job_set_limit(k, job, PM_K_JOB_LIMIT_PIDS, 8u);
        if (ls == PM_OK)
            ls = pm_k_job_usage(k, job, &u);
        if (ls == PM_OK && u.known > 7u)
            ls = PM_E_K_STATE;   /* the contract excludes it */
        st = (ls == PM_E_LINUX_JOB_LIMIT || ls == PM_E_LINUX_JOB_CGROUP ||
              ls == PM_E_LINUX_JOB_FREEZE) ? PM_E_K_STATE : ls;
    }
    if (st == PM_OK)
        st = pm_k_thread_kill(k, th);
    if (st == PM_OK) {
        pm_status ps = pm_k_event_poll(k, ev);
        /* The result set lets the caller switch on the event safely. */
        if (ps == PM_OK && ev->kind == PM_K_EV_FAULT)
            st = ev->fault == PM_K_FAULT_NONE ? PM_E_K_STATE : PM_OK;
        if (ps == PM_OK && (ev->flags & ~PM_K_EV_CORE_DUMPED) != 0u)
            st = PM_E_K_STATE;
    }
    if (!pm_kcap_is_null(d)) {
        pm_status rs = pm_k_revoke(k, ep);
        pm_status rl = pm_k_cap_release(k, d);
        if (st == PM_OK && rs != PM_OK)
            st = rs;
        if (st == PM_OK && rl != PM_OK)
            st = rl;
    }
    if (!pm_kcap_is_null(ep)) {
        pm_status ds = pm_k_destroy(k, ep);
        if (st == PM_OK && ds != PM_OK)
            st = ds;
    }
    {
        pm_status dr = pm_k_drop(k, d);
        if (st == PM_OK && dr != PM_OK)
            st = dr;
    }
    {
        pm_status dj = pm_k_drop(k, job);
        if (st == PM_OK && dj != PM_OK)
            st = dj;
    }
    pm_status ts = pm_k_teardown(k, th, cs, as);
    if (st == PM_OK)
        st = ts;
    return st;
}
