#ifndef PALM_ECC_H
#define PALM_ECC_H
#ifdef __cplusplus
extern "C" {
#endif
// palm_ecc runs OpenCV's findTransformECC with a homography from tmpl to
// input (both CV_32F gocv Mats, cv::Mat*), refining warp (3×3 CV_32F)
// for at most iterations or until the update is below eps. It writes the
// correlation reached into cc and returns 0, or -1 if OpenCV refused
// (the iteration diverged or the images carry no gradient).
int palm_ecc(void *tmpl, void *input, void *warp, int iterations, double eps, double *cc);
#ifdef __cplusplus
}
#endif
#endif
