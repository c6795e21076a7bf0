package dev.signet.store.compress;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /admin/v1/jobs/{id}}: a compression job's state, stage and progress, then its digest, report and verdict. */
@RestController
public class JobController {
    private final JobStore jobs;

    public JobController(JobStore jobs) {
        this.jobs = jobs;
    }

    @GetMapping("/admin/v1/jobs/{id}")
    CompressionJob get(@PathVariable String id) {
        return jobs.require(id);   // from memory: no file IO on the event loop
    }
}
