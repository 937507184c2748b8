#ifndef PALM_DISTANCE_H
#define PALM_DISTANCE_H
#ifdef __cplusplus
extern "C" {
#endif
// palm_distance writes into dst (CV_32F) the 5×5 chamfer L2 distance of
// each pixel of src (a CV_8U mask) to its nearest zero pixel. src and dst
// are gocv Mats (cv::Mat*). It returns 0, or -1 if OpenCV refused.
int palm_distance(void *src, void *dst);
#ifdef __cplusplus
}
#endif
#endif
