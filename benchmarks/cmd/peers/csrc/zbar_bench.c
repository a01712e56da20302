/* zbar_bench: decodes binary PGM images with zbar, in process.
 * Part of apcvkit's peer harness (benchmarks/cmd/peers), which builds and
 * runs it; not a general tool.
 *
 *   zbar_bench ITERATIONS FILE.pgm...
 *
 * All images are loaded first. Then, for each image: one scan (its result is
 * printed), and ITERATIONS timed scans of the same image. One line per image
 * on stdout: FILE <TAB> ok|fail <TAB> ns-per-decode <TAB> text.
 * The scanner has every symbology disabled but QR codes; the image is the
 * raw grey plane (Y800). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zbar.h>

struct gray {
	const char *path;
	int w, h;
	unsigned char *pix;
};

/* read_pgm loads a binary 8-bit PGM written by the harness ("P5\nW H\n255\n"). */
static int read_pgm(const char *path, struct gray *g)
{
	FILE *f = fopen(path, "rb");
	int maxval = 0, ok;
	size_t n;
	if (!f)
		return 0;
	ok = fscanf(f, "P5 %d %d %d", &g->w, &g->h, &maxval) == 3 && maxval == 255 && g->w > 0 && g->h > 0 &&
	     g->w <= 8192 && g->h <= 8192 && fgetc(f) != EOF;
	if (ok) {
		n = (size_t)g->w * (size_t)g->h;
		g->pix = malloc(n);
		ok = g->pix && fread(g->pix, 1, n, f) == n;
	}
	fclose(f);
	g->path = path;
	return ok;
}

/* scan returns the number of QR symbols found; *text gets the first one's data. */
static int scan(zbar_image_scanner_t *sc, zbar_image_t *img, const char **text)
{
	const zbar_symbol_t *s;
	int n = zbar_scan_image(sc, img);
	if (n <= 0)
		return 0;
	s = zbar_image_first_symbol(img);
	if (text)
		*text = s ? zbar_symbol_get_data(s) : "";
	return n;
}

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long iters, it;
	int i, count;
	struct gray *imgs;
	zbar_image_scanner_t *sc;

	if (argc < 3) {
		fprintf(stderr, "usage: %s ITERATIONS FILE.pgm...\n", argv[0]);
		return 2;
	}
	iters = strtol(argv[1], NULL, 10);
	if (iters < 1) {
		fprintf(stderr, "zbar_bench: bad iteration count %s\n", argv[1]);
		return 2;
	}
	count = argc - 2;
	imgs = calloc((size_t)count, sizeof *imgs);
	if (!imgs)
		return 1;
	for (i = 0; i < count; i++) {
		if (!read_pgm(argv[i + 2], &imgs[i])) {
			fprintf(stderr, "zbar_bench: %s: not a binary 8-bit PGM\n", argv[i + 2]);
			return 1;
		}
	}
	sc = zbar_image_scanner_create();
	zbar_image_scanner_set_config(sc, ZBAR_NONE, ZBAR_CFG_ENABLE, 0);
	zbar_image_scanner_set_config(sc, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1);
	for (i = 0; i < count; i++) {
		const char *text = "";
		long long start, ns;
		long agree = 0;
		int ok;
		zbar_image_t *img = zbar_image_create();
		zbar_image_set_format(img, zbar_fourcc('Y', '8', '0', '0'));
		zbar_image_set_size(img, (unsigned)imgs[i].w, (unsigned)imgs[i].h);
		zbar_image_set_data(img, imgs[i].pix, (unsigned long)imgs[i].w * (unsigned long)imgs[i].h, NULL);
		ok = scan(sc, img, &text) > 0;
		/* text points into img's symbols: print before scanning again */
		printf("%s\t%s\t", imgs[i].path, ok ? "ok" : "fail");
		{
			char *saved = strdup(text);
			start = now_ns();
			for (it = 0; it < iters; it++)
				agree += scan(sc, img, NULL) > 0;
			ns = (now_ns() - start) / iters;
			printf("%lld\t%s\n", ns, saved ? saved : "");
			free(saved);
		}
		if (agree != (ok ? iters : 0))
			fprintf(stderr, "zbar_bench: %s: %ld of %ld repeated scans agree with the first\n", imgs[i].path, agree, iters);
		zbar_image_destroy(img);
		free(imgs[i].pix);
	}
	zbar_image_scanner_destroy(sc);
	free(imgs);
	return 0;
}
