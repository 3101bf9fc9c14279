/** The SPI for job stores: implement {@link dev.weft.jobs.spi.JobStore} to back the job queue. */
@NullMarked
package dev.weft.jobs.spi;

import org.jspecify.annotations.NullMarked;
