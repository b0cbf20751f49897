package io.tidegate.kernel.testing;

/** Reading one series out of a Prometheus text exposition (the admin API's {@code /metrics}). */
public final class Scrapes {

    private Scrapes() {
    }

    /** The value of {@code series} (name with its labels, as exposed), or 0 when it is not exposed. */
    public static long value(String scrape, String series) {
        for (String line : scrape.split("\n")) {
            if (line.startsWith(series + " ")) {
                return (long) Double.parseDouble(line.substring(series.length() + 1));
            }
        }
        return 0;
    }
}
